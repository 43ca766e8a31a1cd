// Training: data, batching, the trainer and checkpoints.
