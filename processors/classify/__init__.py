"""Classification: sentiment and intent of posts with any sequence-classification model.

labels.py maps a model's labels to ours, batch.py prepares and batches texts,
model.py loads models (directory or hub id; torch or ONNX Runtime), priority.py
derives webcare priority, stage.py is the stage the ingest worker runs.
Heavy libraries (torch, transformers, onnxruntime) are imported only when a
model is loaded.
"""
