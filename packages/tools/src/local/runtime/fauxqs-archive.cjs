// Emulates SNS FIFO message archiving and replay on fauxqs, which has neither.
//
// Every SNS action reaches fauxqs' SnsRouter, whatever sends it (the local run's publisher, the
// local API Gateway, the CLI, a handler, the AWS CLI), so the patch wraps the router's handlers:
//
// - CreateTopic / SetTopicAttributes keep a topic's ArchivePolicy ({"MessageRetentionPeriod": 1 to
//   365}); GetTopicAttributes adds BeginningArchiveTime (when the archive began, in this run).
// - Publish / PublishBatch: once fauxqs accepted a message for a topic with an archive, it is kept
//   with its MessageId, body, attributes, group and deduplication ids and the time it was accepted,
//   in the order the topic accepted it. A duplicate (the same deduplication id within 5 minutes),
//   which SNS accepts without delivering it, is not kept.
// - SetSubscriptionAttributes ReplayPolicy ({"PointType":"Timestamp","StartingPoint":...,
//   "EndingPoint"?}) replays the archived messages of that window into the subscription's queue as
//   SNS delivers them (raw delivery or the envelope, the filter policy applied, group and
//   deduplication ids kept) plus the Replayed message attribute, a few hundred per turn of the
//   event loop; ReplayStatus goes Pending, In progress, Completed. While it replays, new messages
//   are not delivered to that subscription: they are archived, and the replay reaches them in
//   order. Without an EndingPoint, once it has caught up, the subscription receives new messages
//   again; with one, it stays paused, as SNS leaves it, until a replay policy without one.
//
// The archive lives in this thread's memory for the run: MessageRetentionPeriod is not enforced.
//
// Delivery failures: fauxqs skips, without a word, a subscription whose queue does not exist. SNS
// cannot deliver there either (a client-side error, not retried) and counts it in the topic's
// NumberOfNotificationsFailed metric. The patch counts each such notification, after the filter
// policy, per topic and subscription, and GetTopicAttributes answers the counts in two attributes
// of the local run's own: LocalNotificationsFailed (a number) and LocalNotificationsFailedBySubscription
// (JSON: subscription ARN -> { queueArn, failed }).
'use strict';

/** The fauxqs release whose internals this patches; any other fails loudly instead of silently. */
const PATCHED_FAUXQS_VERSION = '1.9.2';
/** SNS FIFO's deduplication interval. */
const DEDUPLICATION_MS = 5 * 60_000;
/** Archived messages delivered per turn of the event loop. */
const REPLAY_CHUNK = 500;

/**
 * @param {Function} SnsRouter fauxqs' router class (dist/sns/snsRouter.js)
 * @param {{ SqsStore: any, SnsError: any, snsSuccessResponse: Function, matchesFilterPolicy: Function, matchesFilterPolicyOnBody: Function }} deps
 * @param {string} version the installed fauxqs version
 */
function archiveAndReplay(SnsRouter, deps, version) {
  if (version !== PATCHED_FAUXQS_VERSION) {
    throw new Error(
      `fauxqs ${version} is installed; the local run's archive and replay patch is written for ${PATCHED_FAUXQS_VERSION}. ` +
        'Pin fauxqs to that version or update packages/tools/src/local/runtime/fauxqs-archive.cjs.',
    );
  }
  const proto = SnsRouter.prototype;
  if (typeof proto.register !== 'function') throw new Error('fauxqs SnsRouter lacks register: cannot patch the archive');
  if (proto.register.patchedArchive) return;
  const state = { archives: new Map(), replays: new Map(), failures: new Map(), deps };
  const register = proto.register;
  proto.register = function (action, handler) {
    const wrap = WRAPPERS[action];
    return register.call(this, action, wrap ? wrap(handler, state) : handler);
  };
  proto.register.patchedArchive = true;
}

const WRAPPERS = {
  CreateTopic: (handler, state) => (params, snsStore, sqsStore, request) => {
    const policy = topicAttribute(params, 'ArchivePolicy');
    if (policy !== undefined) retentionDays(policy, state.deps);
    const xml = handler(params, snsStore, sqsStore, request);
    const topic = snsStore.getTopic(tag(xml, 'TopicArn'));
    if (topic) archiveOf(state, topic);
    return xml;
  },
  SetTopicAttributes: (handler, state) => (params, snsStore, sqsStore, request) => {
    if (params.AttributeName !== 'ArchivePolicy') return handler(params, snsStore, sqsStore, request);
    const topic = snsStore.getTopic(params.TopicArn);
    if (!topic) throw new state.deps.SnsError('NotFound', 'Topic does not exist', 404);
    if (topic.attributes.FifoTopic !== 'true') throw new state.deps.SnsError('InvalidParameter', 'Invalid parameter: ArchivePolicy is only for FIFO topics');
    if (params.AttributeValue) {
      retentionDays(params.AttributeValue, state.deps);
      topic.attributes.ArchivePolicy = params.AttributeValue;
      archiveOf(state, topic);
    } else {
      delete topic.attributes.ArchivePolicy;
      state.archives.delete(topic.arn);
    }
    return state.deps.snsSuccessResponse('SetTopicAttributes', '');
  },
  GetTopicAttributes: (handler, state) => (params, snsStore, sqsStore, request) => {
    let xml = handler(params, snsStore, sqsStore, request);
    const archive = state.archives.get(params.TopicArn);
    if (archive) xml = addEntry(xml, 'BeginningArchiveTime', new Date(archive.beginning).toISOString());
    const failures = state.failures.get(params.TopicArn) ?? new Map();
    const failed = [...failures.values()].reduce((n, f) => n + f.failed, 0);
    xml = addEntry(xml, 'LocalNotificationsFailed', String(failed));
    return addEntry(xml, 'LocalNotificationsFailedBySubscription', escapeXml(JSON.stringify(Object.fromEntries(failures))));
  },
  Publish: (handler, state) => (params, snsStore, sqsStore, request) => {
    const xml = handler(params, snsStore, sqsStore, request);
    const attributes = messageAttributes(params, 'MessageAttributes.entry.');
    countUndeliverable(state, snsStore, sqsStore, params.TopicArn, params.Message, attributes);
    const topic = snsStore.getTopic(params.TopicArn);
    const archive = topic && archiveOf(state, topic);
    if (archive) {
      keep(state, archive, {
        messageId: tag(xml, 'MessageId'),
        message: params.Message,
        subject: params.Subject,
        attributes,
        groupId: params.MessageGroupId,
        deduplicationId: params.MessageDeduplicationId ?? contentDeduplicationId(state, topic, params.Message),
      });
    }
    return xml;
  },
  PublishBatch: (handler, state) => (params, snsStore, sqsStore, request) => {
    const xml = handler(params, snsStore, sqsStore, request);
    const entries = batchEntries(params);
    const topic = snsStore.getTopic(params.TopicArn);
    const archive = topic && archiveOf(state, topic);
    // The entries the topic accepted, in the order it answered them.
    for (const member of (xml.match(/<Successful>([\s\S]*?)<\/Successful>/)?.[1] ?? '').match(/<member>[\s\S]*?<\/member>/g) ?? []) {
      const entry = entries.get(tag(member, 'Id'));
      if (!entry) continue;
      countUndeliverable(state, snsStore, sqsStore, params.TopicArn, entry.message, entry.attributes);
      if (!archive) continue;
      keep(state, archive, {
        messageId: tag(member, 'MessageId'),
        message: entry.message,
        subject: entry.subject,
        attributes: entry.attributes,
        groupId: entry.groupId,
        deduplicationId: entry.deduplicationId ?? contentDeduplicationId(state, topic, entry.message),
      });
    }
    return xml;
  },
  SetSubscriptionAttributes: (handler, state) => (params, snsStore, sqsStore, request) => {
    if (params.AttributeName !== 'ReplayPolicy') return handler(params, snsStore, sqsStore, request);
    const { SnsError, snsSuccessResponse } = state.deps;
    const sub = snsStore.getSubscription(params.SubscriptionArn);
    if (!sub) throw new SnsError('NotFound', 'Subscription does not exist', 404);
    const archive = state.archives.get(sub.topicArn);
    if (!archive) {
      throw new SnsError('InvalidParameter', 'Invalid parameter: ReplayPolicy Reason: the topic has no ArchivePolicy: there is no archive to replay');
    }
    const window = replayWindow(params.AttributeValue ?? '', SnsError);
    sub.attributes.ReplayPolicy = params.AttributeValue;
    startReplay(state, archive, sub, window, sqsStore);
    return snsSuccessResponse('SetSubscriptionAttributes', '');
  },
};

/** The topic's archive, begun now if the topic has an ArchivePolicy and none yet. */
function archiveOf(state, topic) {
  if (!topic.attributes.ArchivePolicy) return undefined;
  let archive = state.archives.get(topic.arn);
  if (!archive) {
    archive = { topicArn: topic.arn, beginning: Date.now(), records: [], deduplication: new Map() };
    state.archives.set(topic.arn, archive);
  }
  return archive;
}

/** Keeps an accepted message, unless it is a duplicate SNS would not deliver. */
function keep(state, archive, record) {
  const now = Date.now();
  const seen = archive.deduplication.get(record.deduplicationId);
  if (record.deduplicationId !== undefined && seen !== undefined && now - seen < DEDUPLICATION_MS) return;
  if (record.deduplicationId !== undefined) archive.deduplication.set(record.deduplicationId, now);
  if (archive.deduplication.size > 100_000) {
    for (const [id, at] of archive.deduplication) if (now - at >= DEDUPLICATION_MS) archive.deduplication.delete(id);
  }
  archive.records.push({ ...record, time: now });
}

function contentDeduplicationId(state, topic, message) {
  return topic.attributes.ContentBasedDeduplication === 'true' ? state.deps.SqsStore.contentBasedDeduplicationId(message) : undefined;
}

/** `{"MessageRetentionPeriod": 1 to 365}`, a number or a string of digits, as SNS takes it. */
function retentionDays(policy, deps) {
  let days;
  try {
    days = JSON.parse(policy).MessageRetentionPeriod;
  } catch {
    days = undefined;
  }
  const n = typeof days === 'string' && /^\d+$/.test(days) ? Number(days) : days;
  if (!Number.isInteger(n) || n < 1 || n > 365) {
    throw new deps.SnsError('InvalidParameter', `Invalid parameter: ArchivePolicy Reason: MessageRetentionPeriod must be a whole number of days from 1 to 365 (got ${policy})`);
  }
  return n;
}

/** The window of a ReplayPolicy, or InvalidParameter. */
function replayWindow(text, SnsError) {
  const invalid = (why) => new SnsError('InvalidParameter', `Invalid parameter: ReplayPolicy Reason: ${why}`);
  let policy;
  try {
    policy = JSON.parse(text);
  } catch {
    throw invalid('not valid JSON');
  }
  if (!policy || typeof policy !== 'object') throw invalid('must be a JSON object');
  if (policy.PointType !== 'Timestamp') throw invalid(`PointType must be Timestamp (got ${JSON.stringify(policy.PointType)})`);
  const time = (name) => {
    const value = policy[name];
    const ms = typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isNaN(ms)) throw invalid(`${name} must be a timestamp (got ${JSON.stringify(value)})`);
    return ms;
  };
  const start = time('StartingPoint');
  const end = policy.EndingPoint === undefined ? undefined : time('EndingPoint');
  if (end !== undefined && end <= start) throw invalid('EndingPoint must be after StartingPoint');
  return { start, end };
}

/** Replays the window into the subscription, a chunk per turn of the event loop; a new policy replaces it. */
function startReplay(state, archive, sub, window, sqsStore) {
  const previous = state.replays.get(sub.arn);
  const replay = { generation: (previous?.generation ?? 0) + 1 };
  state.replays.set(sub.arn, replay);
  pause(sub);
  sub.attributes.ReplayStatus = 'Pending';
  let next = archive.records.findIndex((r) => r.time >= window.start);
  if (next < 0) next = archive.records.length;
  const step = () => {
    if (state.replays.get(sub.arn) !== replay || !sqsStore.getQueueByArn(sub.endpoint)) {
      if (state.replays.get(sub.arn) === replay) sub.attributes.ReplayStatus = 'Failed';
      return;
    }
    sub.attributes.ReplayStatus = 'In progress';
    for (let n = 0; n < REPLAY_CHUNK && next < archive.records.length; n++, next++) {
      const record = archive.records[next];
      if (window.end !== undefined && record.time > window.end) {
        sub.attributes.ReplayStatus = 'Completed'; // and stays paused, as SNS leaves it
        return;
      }
      deliver(state, archive, sub, record, sqsStore);
    }
    if (next < archive.records.length) return void setImmediate(step);
    if (window.end !== undefined && Date.now() <= window.end) return void setTimeout(step, 10);
    sub.attributes.ReplayStatus = 'Completed';
    // Caught up, in the same turn as the last delivery: the next message accepted is delivered live.
    if (window.end === undefined) resume(sub);
  };
  setImmediate(step);
}

/** fauxqs delivers only to confirmed subscriptions: a paused one is marked unconfirmed, and still reads as confirmed. */
function pause(sub) {
  sub.confirmed = false;
  sub.attributes.PendingConfirmation = 'false';
}

function resume(sub) {
  sub.confirmed = true;
  delete sub.attributes.PendingConfirmation;
}

/** Delivers one archived message to the subscription's queue as fauxqs' Publish does, with Replayed. */
function deliver(state, archive, sub, record, sqsStore) {
  const { SqsStore } = state.deps;
  if (sub.protocol !== 'sqs' || !passesFilter(state, sub, record.message, record.attributes)) return;
  const queue = sqsStore.getQueueByArn(sub.endpoint);
  if (!queue) return;
  const attributes = { ...record.attributes, Replayed: { DataType: 'String', StringValue: 'true' } };
  const raw = sub.attributes.RawMessageDelivery === 'true';
  const body = raw
    ? record.message
    : JSON.stringify({
        Type: 'Notification',
        MessageId: record.messageId,
        TopicArn: archive.topicArn,
        Subject: record.subject ?? null,
        Message: record.message,
        Timestamp: new Date(record.time).toISOString(),
        SignatureVersion: '1',
        Signature: 'EXAMPLE',
        SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
        UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${sub.arn}`,
        MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, a]) => [k, { Type: a.DataType, Value: a.StringValue ?? a.BinaryValue ?? '' }])),
      });
  const message = SqsStore.createMessage(body, raw ? attributes : {}, undefined, record.groupId, record.deduplicationId);
  // The queue's deduplication is not applied: a replay within 5 minutes of the original reaches
  // the queue (see "Topic archive and replay" in docs/local-run.md), nor recorded.
  if (queue.isFifo()) message.sequenceNumber = queue.nextSequenceNumber();
  queue.enqueue(message);
}

/** Whether the subscription's filter policy lets the message through, as fauxqs decides it. */
function passesFilter(state, sub, message, attributes) {
  if (!sub.attributes.FilterPolicy) return true;
  const { matchesFilterPolicy, matchesFilterPolicyOnBody } = state.deps;
  try {
    const policy = JSON.parse(sub.attributes.FilterPolicy);
    return (sub.attributes.FilterPolicyScope ?? 'MessageAttributes') === 'MessageBody'
      ? matchesFilterPolicyOnBody(policy, message)
      : matchesFilterPolicy(policy, attributes);
  } catch {
    return true; // fauxqs delivers when the policy cannot be read; so do the replay and the failure count
  }
}

/**
 * Counts, for a message the topic accepted, each confirmed SQS subscription that should get it
 * and whose queue does not exist: fauxqs drops those silently; SNS counts them as failed.
 */
function countUndeliverable(state, snsStore, sqsStore, topicArn, message, attributes) {
  const topic = snsStore.getTopic(topicArn);
  if (!topic) return;
  for (const subArn of topic.subscriptionArns) {
    const sub = snsStore.getSubscription(subArn);
    if (!sub || !sub.confirmed || sub.protocol !== 'sqs' || sqsStore.getQueueByArn(sub.endpoint)) continue;
    if (!passesFilter(state, sub, message, attributes)) continue;
    const failures = state.failures.get(topicArn) ?? new Map();
    state.failures.set(topicArn, failures);
    const entry = failures.get(subArn) ?? { queueArn: sub.endpoint, failed: 0 };
    entry.failed += 1;
    failures.set(subArn, entry);
  }
}

function escapeXml(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The entries of a PublishBatch request by Id. */
function batchEntries(params) {
  const entries = new Map();
  for (const key of Object.keys(params)) {
    const m = /^PublishBatchRequestEntries\.member\.(\d+)\.Id$/.exec(key);
    if (!m) continue;
    const prefix = `PublishBatchRequestEntries.member.${m[1]}.`;
    entries.set(params[key], {
      message: params[`${prefix}Message`],
      subject: params[`${prefix}Subject`],
      groupId: params[`${prefix}MessageGroupId`],
      deduplicationId: params[`${prefix}MessageDeduplicationId`],
      attributes: messageAttributes(params, `${prefix}MessageAttributes.entry.`),
    });
  }
  return entries;
}

/** The message attributes under a form prefix (`MessageAttributes.entry.`), as fauxqs reads them. */
function messageAttributes(params, prefix) {
  const attributes = {};
  for (const key of Object.keys(params)) {
    if (!key.startsWith(prefix) || !key.endsWith('.Name')) continue;
    const base = key.slice(0, -'.Name'.length);
    const dataType = params[`${base}.Value.DataType`];
    if (!params[key] || !dataType) continue;
    const attribute = { DataType: dataType };
    if (params[`${base}.Value.StringValue`] !== undefined) attribute.StringValue = params[`${base}.Value.StringValue`];
    if (params[`${base}.Value.BinaryValue`] !== undefined) attribute.BinaryValue = params[`${base}.Value.BinaryValue`];
    attributes[params[key]] = attribute;
  }
  return attributes;
}

/** CreateTopic's `Attributes.entry.N.key` / `.value` pair of this name. */
function topicAttribute(params, name) {
  for (const key of Object.keys(params)) {
    const m = /^Attributes\.entry\.(\d+)\.key$/.exec(key);
    if (m && params[key] === name) return params[`Attributes.entry.${m[1]}.value`];
  }
  return undefined;
}

function tag(xml, name) {
  const value = xml.match(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`))?.[1];
  return value?.replace(/&(lt|gt|quot|apos|amp);/g, (_, e) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]);
}

function addEntry(xml, key, value) {
  return xml.replace('</Attributes>', `<entry><key>${key}</key><value>${value}</value></entry></Attributes>`);
}

module.exports = { archiveAndReplay, PATCHED_FAUXQS_VERSION };
