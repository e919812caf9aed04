"""The “双随机、一公开” domain: plans, tasks, records, submissions, metrics, the draw.

Public API (each documented where it is defined)::

    from shuangsuiji_core import load_ruleset, load_plan, iter_records, load_submissions, evaluate
"""
