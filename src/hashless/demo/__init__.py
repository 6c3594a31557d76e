"""The local demo: an in-process Cognito emulator, a throw-away database, seeded customers."""
