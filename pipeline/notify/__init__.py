"""What the notifier sends: Slack Block Kit messages (slack.py) and signed webhook bodies (webhook.py).

Pure formatting and signing, no I/O: the notifier role wires these to HTTP, retries and Kafka.
"""
