/*
 * What the rest of the service uses of event handling: the consumer of hangout's events (the
 * projection and the deliveries they queue) and the reminder task.
 */

export { type ReminderTaskKit, reminderTask } from "../tasks/reminders.ts";
export { createEventConsumer, type EventConsumerKit } from "./consumer.ts";
export type { DeliveryContent } from "./content.ts";
