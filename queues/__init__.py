"""Queues: services, counters, tickets and their events; the counter console and the board."""
