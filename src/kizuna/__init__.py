"""Kizuna (絆): action-oriented CRM and customer analytics for Japanese companies."""

__version__ = "0.1.0"
