"""PAIR evidence assistant: cited, COM-B-tagged answers for commissioners of parent-infant relationship services.

The public entry point is :class:`assistant.api.EvidenceAssistant`; the CLI, the Gradio app and the
evaluation runner all go through it, so nothing is done twice.
"""

__version__ = "0.1.0"
