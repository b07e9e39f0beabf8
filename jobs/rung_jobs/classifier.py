"""Job: an image classifier (small ResNet) tuned by a study (examples/classifier/study.yaml).

Parameters: lr, width, blocks, optimizer (sgd | adamw), momentum (sgd), weight_decay, batch_size.
Resource: epochs. Reports val_accuracy and train_loss every epoch; a promoted trial resumes from
its checkpoint (weights, optimizer state, epoch).
"""
from __future__ import annotations


from .common import accuracy, optimizer_for, resume, start_image_job, train_epoch
from .resnet import ResNet


def main() -> None:
    trial, p, dev, train, val, classes = start_image_job()
    model = ResNet(classes, width=int(p.get("width", 16)), blocks=int(p.get("blocks", 1))).to(dev)
    optimizer = optimizer_for(p, model.parameters())
    checkpoint, state = resume(trial, model, optimizer, dev)
    batch_size = int(p.get("batch_size", 64))
    seed = int(trial.env.trial_id) if trial.env.trial_id.isdigit() else 0

    for epoch in trial.steps(checkpoint, save=state):
        # The shuffle depends on (trial, epoch) only: an epoch trained after a resume sees the same order.
        loss = train_epoch(model, optimizer, train, batch_size, seed * 1000 + epoch, dev)
        trial.report(epoch, val_accuracy=accuracy(model, val, dev), train_loss=loss)


if __name__ == "__main__":
    main()
