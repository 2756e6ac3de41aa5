"""Build a tiny random Llama model that vLLM can serve: run with the vLLM venv's Python.

    python tiny_model.py OUTPUT_DIR

No model can be downloaded here, so the test makes one: random weights (hidden size 64; 2 heads of 32, the
smallest head size vLLM's CPU attention kernel takes; 2 layers), a byte-level BPE tokenizer trained on the spot
with ``tokenizers`` (about 2,000 tokens, with ChatML's, Hermes' tool-call and the ``<think>`` tokens as special
tokens), and a ChatML chat template that renders tools the way Hermes/Qwen templates do. It answers with noise,
which is all the tests need: the server's request handling, sampling, tool-call and reasoning parsers are real.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>", "<think>", "</think>"]

# ChatML with tools as Hermes-style templates render them (Qwen 2.5 / Qwen 3): the tool list in the system turn,
# assistant tool calls as <tool_call>{json}</tool_call>, results as <tool_response> in a user turn. With
# ``enable_thinking: false`` (chat_template_kwargs) the answer starts after an empty think block, as Qwen 3 does.
CHAT_TEMPLATE = """
{%- macro text(content) -%}
{%- if content is string -%}{{ content }}{%- elif content -%}{%- for part in content -%}{{ part.text or '' }}{%- endfor -%}{%- endif -%}
{%- endmacro -%}
{%- if tools -%}
<|im_start|>system
{% if messages and messages[0].role == 'system' %}{{ text(messages[0].content) }}

{% endif %}# Tools
<tools>
{% for tool in tools %}{{ tool | tojson }}
{% endfor %}</tools>
Call a tool as <tool_call>{"name": <name>, "arguments": <object>}</tool_call><|im_end|>
{% elif messages and messages[0].role == 'system' -%}
<|im_start|>system
{{ text(messages[0].content) }}<|im_end|>
{% endif -%}
{%- for message in messages -%}
{%- if message.role == 'system' and loop.first -%}
{%- elif message.role == 'assistant' -%}
<|im_start|>assistant
{{ text(message.content) }}
{%- for call in message.tool_calls or [] -%}
<tool_call>
{"name": "{{ call.function.name }}", "arguments": {% if call.function.arguments is string %}{{ call.function.arguments }}{% else %}{{ call.function.arguments | tojson }}{% endif %}}
</tool_call>
{%- endfor -%}
<|im_end|>
{% elif message.role == 'tool' -%}
<|im_start|>user
<tool_response>
{{ text(message.content) }}
</tool_response><|im_end|>
{% else -%}
<|im_start|>{{ message.role }}
{{ text(message.content) }}<|im_end|>
{% endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
<|im_start|>assistant
{% if enable_thinking is defined and not enable_thinking %}<think>

</think>

{% endif -%}
{%- endif -%}
"""


def corpus() -> list[str]:
    """Training text for the tokenizer: enough English, JSON and markup for a ~2k vocabulary."""
    words = ("the quick brown fox jumps over the lazy dog answer question agent vote tool call result "
             "name arguments content reason message system user assistant function object string number "
             "true false null error file path read write list search model server local port").split()
    lines = [" ".join(words[i:] + words[:i]) for i in range(len(words))]
    lines += [json.dumps({"name": a, "arguments": {b: c}}) for a, b, c in zip(words, words[3:], words[7:], strict=False)]
    lines += [f"<tool_call>{line}</tool_call>" for line in lines[:20]]
    lines += [chr(c) * 3 for c in range(32, 127)]
    return lines * 20


def build(out: Path) -> None:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=2048, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(corpus(), trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                   bos_token=None, unk_token=None)
    fast.chat_template = CHAT_TEMPLATE.strip()
    fast.save_pretrained(out)

    torch.manual_seed(0)
    eos = fast.convert_tokens_to_ids("<|im_end|>")
    config = LlamaConfig(vocab_size=len(fast), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=16384,
                         eos_token_id=eos, pad_token_id=fast.pad_token_id, bos_token_id=None,
                         tie_word_embeddings=True, torch_dtype="float32")
    LlamaForCausalLM(config).save_pretrained(out, safe_serialization=True)
    GenerationConfig(eos_token_id=eos, pad_token_id=fast.pad_token_id).save_pretrained(out)


if __name__ == "__main__":
    build(Path(sys.argv[1]))
