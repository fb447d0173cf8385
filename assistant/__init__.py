"""PAIR evidence assistant: cited, COM-B-tagged answers for commissioners of parent-infant relationship services.

The public entry point is :class:`assistant.api.EvidenceAssistant`; the CLI, the Gradio app and the
evaluation runner all go through it, so nothing is done twice.

Importing the package switches off every phone-home we know of (Hugging Face hub, Chroma telemetry, Gradio
analytics, onnxruntime's telemetry): those must be off before the libraries are imported, and every module of
ours is imported after this file. onnxruntime's Linux wheels carry Microsoft's 1DS telemetry: without
ORT_DISABLE_TELEMETRY it writes a device id and an event database under ~/.cache/Microsoft and a session file
in the temporary folder, and looks up its collector's address (seen with strace, onnxruntime 1.32; its
``disable_telemetry_events()`` stops none of it).
"""

import os as _os

for _name, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "CHROMA_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "DO_NOT_TRACK": "1",
    "ORT_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}.items():
    _os.environ.setdefault(_name, _value)

__version__ = "0.2.0"
