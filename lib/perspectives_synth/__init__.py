"""The synthetic-data generators (``make data``), kept outside the runtime package.

Purpose
    The embedded data are generated, never typed: :mod:`perspectives_synth.survey` writes the
    frontline workers' export calibrated to the published figures, and
    :mod:`perspectives_synth.conversations` the conversations and participants tables. They use
    the runtime library (:mod:`perspectives`) to read the instrument, the study and the
    codebook; the runtime never imports them (``.importlinter`` holds it to that), so a report
    build cannot depend on how the synthetic data were made.

Inputs
    ``data/synthetic_targets.yml``, ``data/conversation_counts.yml``, the instrument, the
    codebook and ``params/study.yml``.

Outputs
    ``data/synthetic/survey_export.csv``, ``participants.csv`` and ``conversations.csv``
    (``python -m perspectives_synth.survey`` and ``python -m perspectives_synth.conversations``).
"""
