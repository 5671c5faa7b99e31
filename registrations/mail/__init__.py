"""Mail through an outbox: `outbox` queues, `delivery` sends (with its worker task), `render`
says what a mail contains."""
