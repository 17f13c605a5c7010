"""Seed data: the made-up demo campaign, built with the domain's rules (not part of the domain)."""
