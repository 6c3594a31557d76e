"""Tests of the legacy hash verifiers against vectors made by each platform's own code."""
