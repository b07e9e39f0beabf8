"""Example rung training jobs in PyTorch: each module with a `main()` is one job entrypoint
(`python -m rung_jobs.<name>`) that follows the job contract through rung_trainer."""
