"""The hosts hashless serves, side by side: one package per platform.

``hashless.service.wiring`` picks one of them once, at start-up, from
``HASHLESS_PLATFORM``; nothing below the wiring asks which one it is.
"""
