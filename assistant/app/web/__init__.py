"""The Gradio chat: ask in plain English, read a cited answer, check every passage and its COM-B tag.

``serve(settings)`` (:mod:`.server`) opens the EvidenceAssistant once (building the index if there is none),
then serves a gr.Blocks app (:mod:`.layout`) on 127.0.0.1. Left: the conversation. Right: the passages the
latest answer cites, as cards (:mod:`.cards`). Events are handled by :class:`.handlers.ChatApp`; a plain
JSON route ``POST /api/ask`` (:mod:`.api`) sits beside the chat; :mod:`.security` holds the access rules
and the escaping that keeps document and question text inert on the page.
"""
