"""Outbound webhooks: events queued in the action's transaction, sent by the worker."""
