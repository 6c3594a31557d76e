// A project subscriber, as a store's notification or CRM plugin would have one: it logs
// each customer.created event, and whether its data carries a password hash. Customers
// hashless registers are staged in Medusa's staged_job like Medusa's own, so this runs
// for them too, and their data carries none.
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });

exports.config = {
  event: "customer.created",
  context: { subscriberId: "hashless-example-customer-created" },
};

exports.default = async function customerCreated(event) {
  // Medusa 1.20's loader passes {eventName, data, container, pluginOptions} (eventName
  // undefined with the local event bus); a class-style subscriber would get the data.
  const data = event && typeof event === "object" && "container" in event ? event.data : event;
  const hash = data && data.password_hash ? "present" : "absent";
  console.log(`hashless-example: customer.created ${data && data.id} password_hash=${hash}`);
};
