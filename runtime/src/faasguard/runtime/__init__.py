"""faasguard's run-time guard for serverless handlers (standard library only)."""
