"""Talking to Decidim: API client, authentication, outbox sending, import-file writers. No Qt."""
