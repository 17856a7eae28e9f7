// Makes fauxqs' FIFO receives behave like SQS's.
//
// fauxqs 1.9 hands a FIFO ReceiveMessage one message per message group, and locks the group until
// that message is deleted or visible again. SQS returns as many messages of one group as it can,
// in order ("Amazon SQS tries to return as many messages with the same message group ID as
// possible"), so a Lambda batch from a FIFO queue with a backlog holds runs of the same group, and
// a consumer that compacts per group (the state projector) writes once per run, not per message.
//
// Once several messages of a group are in flight, the order they come back in matters: fauxqs
// puts a returned message at the head of its group, so messages returned one by one (a
// ChangeMessageVisibility each, or visibility expiry) would come back reversed. Here a returned
// message goes back to its place by SequenceNumber.
//
// Everything else (the group lock count, dead-lettering after maxReceiveCount, receipt handles,
// the message spy) is fauxqs' own logic, kept as it is.
'use strict';
const { randomUUID } = require('node:crypto');

/** The fauxqs release whose internals this patches; any other fails loudly instead of silently. */
const PATCHED_FAUXQS_VERSION = '1.9.2';

const REQUIRED_METHODS = ['dequeueFifo', 'changeVisibility', 'processTimers', 'isFifo'];

/**
 * @param {Function} SqsQueue fauxqs' queue class (dist/sqs/sqsStore.js)
 * @param {string} version the installed fauxqs version
 */
function receiveFifoLikeSqs(SqsQueue, version) {
  if (version !== PATCHED_FAUXQS_VERSION) {
    throw new Error(
      `fauxqs ${version} is installed; the local run's FIFO receive patch is written for ${PATCHED_FAUXQS_VERSION}. ` +
        'Pin fauxqs to that version or update packages/tools/src/local/runtime/fauxqs-fifo.mjs.',
    );
  }
  const proto = SqsQueue.prototype;
  const missing = REQUIRED_METHODS.filter((name) => typeof proto[name] !== 'function');
  if (missing.length > 0) throw new Error(`fauxqs SqsQueue lacks ${missing.join(', ')}: cannot patch FIFO receives`);
  if (proto.dequeueFifo.patchedLikeSqs) return;

  proto.dequeueFifo = dequeueFifo;
  proto.dequeueFifo.patchedLikeSqs = true;

  const changeVisibility = proto.changeVisibility;
  proto.changeVisibility = function (receiptHandle, timeoutSeconds) {
    const entry = timeoutSeconds === 0 && this.isFifo() ? this.inflightMessages.get(receiptHandle) : undefined;
    changeVisibility.call(this, receiptHandle, timeoutSeconds);
    if (entry) restoreOrder(this, groupOf(entry.message));
  };

  const processTimers = proto.processTimers;
  proto.processTimers = function () {
    if (!this.isFifo() || this.inflightMessages.size === 0) return processTimers.call(this);
    const now = Date.now();
    const expiring = new Set();
    for (const entry of this.inflightMessages.values()) {
      if (entry.visibilityDeadline <= now) expiring.add(groupOf(entry.message));
    }
    const result = processTimers.call(this);
    for (const group of expiring) restoreOrder(this, group);
    return result;
  };
}

function groupOf(message) {
  return message.messageGroupId ?? '__default';
}

/** Sorts a group's waiting messages by SequenceNumber (fauxqs pads them to 20 digits). */
function restoreOrder(queue, groupId) {
  const group = queue.fifoMessages.get(groupId);
  if (!group || group.length < 2) return;
  group.sort((a, b) => (a.sequenceNumber ?? '').localeCompare(b.sequenceNumber ?? ''));
}

/** fauxqs' dequeueFifo, taking up to the remaining count from each unlocked group in turn. */
function dequeueFifo(maxCount, visibilityTimeoutOverride, dlqResolver) {
  this.processTimers();
  const visibilityTimeout = visibilityTimeoutOverride ?? parseInt(this.attributes.VisibilityTimeout);
  let maxReceiveCount = Infinity;
  let dlqArn;
  if (this.attributes.RedrivePolicy) {
    try {
      const policy = JSON.parse(this.attributes.RedrivePolicy);
      maxReceiveCount = policy.maxReceiveCount ?? Infinity;
      dlqArn = policy.deadLetterTargetArn;
    } catch {
      // fauxqs ignores an invalid policy too
    }
  }
  const result = [];
  const count = Math.min(maxCount, 10);
  for (const [groupId, groupMsgs] of this.fifoMessages) {
    if (result.length >= count) break;
    if (this.fifoLockedGroups.has(groupId) || groupMsgs.length === 0) continue;
    while (result.length < count && groupMsgs.length > 0) {
      const msg = groupMsgs.shift();
      msg.approximateReceiveCount++;
      if (!msg.approximateFirstReceiveTimestamp) msg.approximateFirstReceiveTimestamp = Date.now();
      if (dlqArn && dlqResolver && msg.approximateReceiveCount > maxReceiveCount) {
        const dlq = dlqResolver(dlqArn);
        if (dlq) {
          this.spy?.addMessage({
            service: 'sqs',
            queueName: this.name,
            messageId: msg.messageId,
            body: msg.body,
            messageAttributes: msg.messageAttributes,
            status: 'dlq',
            timestamp: Date.now(),
          });
          dlq.enqueue(msg);
          continue;
        }
      }
      const receiptHandle = randomUUID();
      this.inflightMessages.set(receiptHandle, {
        message: msg,
        receiptHandle,
        visibilityDeadline: Date.now() + visibilityTimeout * 1000,
      });
      const received = { MessageId: msg.messageId, ReceiptHandle: receiptHandle, MD5OfBody: msg.md5OfBody, Body: msg.body };
      if (msg.md5OfMessageAttributes) received.MD5OfMessageAttributes = msg.md5OfMessageAttributes;
      if (Object.keys(msg.messageAttributes).length > 0) received.MessageAttributes = msg.messageAttributes;
      result.push(received);
      // Each message in flight holds the group; it unlocks when the last is deleted or returned.
      this.fifoLockedGroups.set(groupId, (this.fifoLockedGroups.get(groupId) ?? 0) + 1);
    }
    if (groupMsgs.length === 0) this.fifoMessages.delete(groupId);
  }
  return result;
}

module.exports = { PATCHED_FAUXQS_VERSION, receiveFifoLikeSqs };
