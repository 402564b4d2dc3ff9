"""Reply by email: raw RFC 5322 messages in (IMAP poller, anymail webhooks, the management command),
advice and discussion messages out, through the same services as the web. See README "Reply by email"."""
