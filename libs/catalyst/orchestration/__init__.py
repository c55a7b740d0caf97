"""Orchestration (spec 2.3, service 1): the MCP server a trader connects Claude Desktop to.

Pure parts: ``tokens`` (confirmation tokens), ``untrusted`` (the outside-text envelope), ``limits``
(which way a risk parameter change goes), ``config``. I/O parts: ``token_guard`` (single use, Redis),
``events`` (the bus forwarded to sessions), ``tools``/``resources``/``prompts`` and ``server``, which
call only Workflow.
"""
