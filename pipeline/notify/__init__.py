"""What the notifier sends: Slack Block Kit messages (slack.py) and signed webhook bodies (webhook.py),
and how one alert reaches one destination over HTTP (send.py: outcomes, retries, no URL in logs).

slack.py and webhook.py are pure formatting and signing; the notifier role wires send.py to Kafka.
"""
