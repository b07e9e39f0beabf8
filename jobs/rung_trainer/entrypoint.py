"""The image's ENTRYPOINT: exports the study's trial.environment (RUNG_ENV) and runs the command.

    python -m rung_trainer.entrypoint python -m rung_jobs.classifier

exec keeps the command as PID 1's only child, so SIGTERM from Batch's init process reaches it.
"""
import json
import os
import sys


def main(argv):
    if not argv:
        sys.exit("usage: python -m rung_trainer.entrypoint COMMAND [ARG...]")
    os.environ.update(json.loads(os.environ.get("RUNG_ENV") or "{}"))
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
