"""``massgen batch``: one config answering many questions, locally or as Ray tasks across a cluster.

    questions.py   the input (JSON Lines or plain text)
    results.py     the results file (append-only JSON Lines) and resuming from it
    record.py      one question's events -> its result
    worker.py      a session kept open across questions; retries
    limits.py      provider rate limits (MassGen's rate_limits form) and 429 cool-downs, shared by all questions
    local.py       the local mode (bounded concurrency, one HTTP pool)
    on_ray.py      the Ray mode (optional extra ``massgen[ray]``)
    progress.py    the rich bar or plain progress lines
    summary.py     ``massgen batch --summary``
    run.py         a whole batch
"""
