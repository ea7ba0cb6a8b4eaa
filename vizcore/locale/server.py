"""Strings of the shared server: the note shown while a run waits for a free slot."""

STRINGS = {
    "server.queued": {"en": "Queued: other visitors' models are running; this one starts as soon as a slot "
                            "is free …",
                      "zh": "排队中：其他访问者的模型正在运行，一有空位就开始运行本次计算……"},
}
