"""Triboka web dashboard: server-rendered pages that talk to the Triboka API over HTTP only."""
