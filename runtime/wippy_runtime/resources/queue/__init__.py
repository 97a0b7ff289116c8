"""In-process message queues: messages and deliveries (`message.py`), the memory driver
(`memory.py`) and the consumer that feeds a queue's messages to a function (`consumer.py`).

They sit below `kinds/` (the `queue.driver.memory`, `queue.queue` and `queue.consumer` entries
build them) and `lua/` (the `queue` module publishes and reads the current delivery), so neither
imports the other.
"""

from .message import DELIVERY, Delivery, Message, QueueError

__all__ = ["DELIVERY", "Delivery", "Message", "QueueError"]
