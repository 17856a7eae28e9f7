/**
 * The Events API's mapping templates (Velocity, as API Gateway runs them), one
 * constant per route and direction. The construct deploys them as they are;
 * the tests render these same strings.
 *
 * What is fixed per stage comes from stage variables: `topicArn`,
 * `eventsTable`, `stateTable` and `subjectIndex`. Every value taken from the
 * request is URL-encoded into the SNS form body (`$util.urlEncode`), or
 * JSON-escaped into the DynamoDB request (`$util.escapeJavaScript`, with its
 * `\'` turned back into `'`, which JSON does not allow).
 */

/** A string value of the request, escaped for a JSON string. */
const json = (value: string) => `$util.escapeJavaScript(${value}).replaceAll("\\\\'", "'")`;

/** The message attribute the subscriptions filter on. */
const typeAttribute = (prefix: string, type: string) =>
  [
    `&${prefix}MessageAttributes.entry.1.Name=type`,
    `&${prefix}MessageAttributes.entry.1.Value.DataType=String`,
    `&${prefix}MessageAttributes.entry.1.Value.StringValue=$util.urlEncode(${type})`,
  ].join('');

/**
 * `POST /events`, one event (`application/json`, `application/cloudevents+json`):
 * SNS `Publish`, the body as sent.
 */
export const PUBLISH_REQUEST_TEMPLATE = [
  "#set($event = $input.path('$'))",
  'Action=Publish',
  '&TopicArn=$util.urlEncode($stageVariables.topicArn)',
  '&Message=$util.urlEncode($input.body)',
  '&MessageGroupId=$util.urlEncode($event.subject)',
  '&MessageDeduplicationId=$util.urlEncode($event.id)',
  typeAttribute('', '$event.type'),
].join('');

/**
 * `POST /events`, a batch (`application/cloudevents-batch+json`): SNS
 * `PublishBatch`, entry `Id` = the event's index in the request.
 */
export const PUBLISH_BATCH_REQUEST_TEMPLATE = [
  "#set($events = $input.path('$'))",
  'Action=PublishBatch',
  '&TopicArn=$util.urlEncode($stageVariables.topicArn)',
  '#foreach($event in $events)',
  '#set($i = $foreach.index)',
  '#set($entry = "PublishBatchRequestEntries.member.${foreach.count}.")',
  '&${entry}Id=$i',
  '&${entry}Message=$util.urlEncode($input.json("$[$i]"))',
  '&${entry}MessageGroupId=$util.urlEncode($event.subject)',
  '&${entry}MessageDeduplicationId=$util.urlEncode($event.id)',
  typeAttribute('${entry}', '$event.type'),
  '#end',
].join('');

/**
 * 202 for `POST /events`, told apart by SNS's answer (one integration serves
 * both): for `Publish`, the topic's receipt; for `PublishBatch`, a receipt per
 * published event and the entries the topic refused, each by its index in the
 * request.
 */
export const PUBLISH_RESPONSE_TEMPLATE = `#set($batch = $input.path('$.PublishBatchResponse.PublishBatchResult'))
#if("$!batch" == "")
#set($result = $input.path('$.PublishResponse.PublishResult'))
{"messageId": "$result.MessageId", "sequenceNumber": "$result.SequenceNumber"}
#else
{"receipts": [#foreach($ok in $batch.Successful){"index": $ok.Id, "messageId": "$ok.MessageId", "sequenceNumber": "$ok.SequenceNumber"}#if($foreach.hasNext), #end#end],
 "failed": [#foreach($ko in $batch.Failed){"index": $ko.Id, "code": "${json('$ko.Code')}", "senderFault": $ko.SenderFault}#if($foreach.hasNext), #end#end]}
#end`;

/**
 * A 4xx from SNS, for both publish routes: 413 over the message limit, 429 when
 * the key is throttled, 400 for what the topic refuses, 500 for our own faults
 * (access, key). SNS's message is never passed on: it can hold our ARNs.
 */
export const PUBLISH_ERROR_TEMPLATE = `#set($code = "$!input.path('$.Error.Code')")
#set($message = "$!input.path('$.Error.Message')")
#if($code == 'BatchRequestTooLong' || ($code == 'InvalidParameter' && $message.indexOf('too long') >= 0))
#set($context.responseOverride.status = 413)
{"error": "PayloadTooLarge", "message": "an event, or a batch, is over the topic's 256 KiB message limit"}
#elseif($code == 'KMSThrottling')
#set($context.responseOverride.status = 429)
{"error": "Throttled", "message": "the topic's key is throttled; retry in a second", "retryAfterSeconds": 1}
#elseif($code.startsWith('Invalid') || $code.startsWith('Batch') || $code.endsWith('BatchRequest'))
{"error": "BadRequest", "message": "the topic refused the request", "code": "${json('$code')}"}
#else
#set($context.responseOverride.status = 500)
{"error": "InternalError", "message": "the API could not publish; retrying will not help until it is fixed", "requestId": "$context.requestId"}
#end`;

/** 429 from SNS (ThrottledException); `Retry-After` is set by the integration response. */
export const THROTTLED_TEMPLATE = `{"error": "Throttled", "message": "too many requests; retry after the Retry-After delay", "retryAfterSeconds": 1}`;

/** 5xx from SNS or DynamoDB; `Retry-After` is set by the integration response. */
export const UNAVAILABLE_TEMPLATE = `{"error": "ServiceUnavailable", "message": "the service behind the API is unavailable; retry after the Retry-After delay", "retryAfterSeconds": 1}`;

/** `GET /events/{id}`: DynamoDB `GetItem` on the events table. */
export const GET_EVENT_REQUEST_TEMPLATE = `{
  "TableName": "$stageVariables.eventsTable",
  "Key": {"id": {"S": "${json("$input.params().path.get('id')")}"}}
}`;

/** `GET /subjects/{subject}`: DynamoDB `GetItem` on the state table. */
export const GET_SUBJECT_REQUEST_TEMPLATE = `{
  "TableName": "$stageVariables.stateTable",
  "Key": {"subject": {"S": "${json("$input.params().path.get('subject')")}"}}
}`;

/**
 * \`GET /subjects/{subject}/events?after=&limit=\`: DynamoDB \`Query\` on the
 * \`bySubject\` index, in sequence order. \`limit\` must be one of 1 to 100 as
 * written (else Limit 0, which DynamoDB refuses: 400); \`after\` is a number
 * (else DynamoDB refuses it: 400).
 */
export const LIST_SUBJECT_EVENTS_REQUEST_TEMPLATE = `#set($query = $input.params().querystring)
#set($given = "$!query.get('limit')")
#set($limit = 0)
#if($given == "")#set($limit = 25)#end
#foreach($n in [1..100])#if("$n" == $given)#set($limit = $n)#end#end
#set($after = "$!query.get('after')")
#if($after == "")#set($after = "-1")#end
{
  "TableName": "$stageVariables.eventsTable",
  "IndexName": "$stageVariables.subjectIndex",
  "KeyConditionExpression": "#[[#subject]]# = :subject AND #[[#sequence]]# > :after",
  "ExpressionAttributeNames": {"#[[#subject]]#": "subject", "#[[#sequence]]#": "sequence"},
  "ExpressionAttributeValues": {
    ":subject": {"S": "${json("$input.params().path.get('subject')")}"},
    ":after": {"N": "${json('$after')}"}
  },
  "ScanIndexForward": true,
  "Limit": $limit
}`;

/**
 * A DynamoDB attribute value (\`{"S": …}\`, \`{"N": …}\`, \`{"M": …}\`…) as plain
 * JSON, nested maps and lists down to \`depth\` levels (deeper: \`null\`). Velocity
 * has no safe recursion (macro arguments are passed by name), so each level is
 * written out with its own variable names.
 */
function plainJson(value: string, depth: number): string {
  const scalar =
    `#if(${value}.S || ${value}.S == "")"${json(`${value}.S`)}"` +
    `#elseif(${value}.N)${value}.N` +
    `#elseif(${value}.BOOL == true)true#elseif(${value}.BOOL == false)false`;
  if (depth === 0) return `${scalar}#{else}null#end`;
  const [key, child] = [`$k${depth}`, `$v${depth}`];
  return (
    scalar +
    `#elseif(${value}.M){#foreach(${key} in ${value}.M.keySet())#set(${child} = ${value}.M.get(${key}))"${json(key)}": ${plainJson(child, depth - 1)}#if($foreach.hasNext), #end#end}` +
    `#elseif(${value}.L)[#foreach(${child} in ${value}.L)${plainJson(child, depth - 1)}#if($foreach.hasNext), #end#end]` +
    '#{else}null#end'
  );
}

/** How deep `data` is returned: maps and lists nested deeper come back as `null`. */
export const DATA_DEPTH = 4;

/** An optional string attribute of `item`, as `, "name": "…"`. */
const optionalString = (item: string, name: string, as = name) =>
  `#if(${item}.${name}.S || ${item}.${name}.S == ""), "${as}": "${json(`${item}.${name}.S`)}"#end`;

/** A stored event (an item of the events table) as the CloudEvent that was published. */
const eventJson = (item: string) =>
  `{"specversion": "${json(`${item}.specversion.S`)}", "id": "${json(`${item}.id.S`)}", ` +
  `"source": "${json(`${item}.source.S`)}", "type": "${json(`${item}.type.S`)}", ` +
  `"subject": "${json(`${item}.subject.S`)}", "sequence": ${item}.sequence.N` +
  optionalString(item, 'time') +
  `#if(${item}.data), "data": ${plainJson(`${item}.data`, DATA_DEPTH)}#end}`;

/** 200 for `GET /events/{id}`: the stored event, or 404 while it is not (yet) stored. */
export const GET_EVENT_RESPONSE_TEMPLATE = `#set($item = $input.path('$.Item'))
#if("$!item" == "")
#set($context.responseOverride.status = 404)
{"error": "NotFound", "message": "no event with this id is stored (yet)"}
#else
${eventJson('$item')}
#end`;

/** 200 for `GET /subjects/{subject}`: the subject's state (its latest event), or 404. */
export const GET_SUBJECT_RESPONSE_TEMPLATE = `#set($item = $input.path('$.Item'))
#if("$!item" == "")
#set($context.responseOverride.status = 404)
{"error": "NotFound", "message": "no state is stored for this subject (yet)"}
#else
{"subject": "${json('$item.subject.S')}", "sequence": $item.sequence.N, "eventId": "${json('$item.eventId.S')}", ` +
  `"type": "${json('$item.type.S')}", "source": "${json('$item.source.S')}"${optionalString('$item', 'time')}` +
  `${optionalString('$item', 'updatedAt')}#if($item.data), "data": ${plainJson('$item.data', DATA_DEPTH)}#end}
#end`;

/** 200 for `GET /subjects/{subject}/events`: the events in sequence order, and `next` when there are more. */
export const LIST_SUBJECT_EVENTS_RESPONSE_TEMPLATE = `#set($result = $input.path('$'))
{"events": [#foreach($item in $result.Items)${eventJson('$item')}#set($last = $item.sequence.N)#if($foreach.hasNext), #end#end]` +
  `#if("$!result.LastEvaluatedKey" != "" && "$!last" != ""), "next": "$last"#end}`;

/**
 * A 4xx from DynamoDB: 429 when throttled, 400 for a key or query DynamoDB
 * refuses (`message` says which), 500 for our own faults (access, key).
 */
function readErrorTemplate(badRequest: string): string {
  return `#set($type = "$!input.path('$.__type')")
#if($type.endsWith('ProvisionedThroughputExceededException') || $type.endsWith('ThrottlingException') || $type.endsWith('RequestLimitExceeded'))
#set($context.responseOverride.status = 429)
{"error": "Throttled", "message": "the table is throttled; retry in a second", "retryAfterSeconds": 1}
#elseif($type.endsWith('ValidationException'))
{"error": "BadRequest", "message": "${badRequest}"}
#else
#set($context.responseOverride.status = 500)
{"error": "InternalError", "message": "the API could not read the table", "requestId": "$context.requestId"}
#end`;
}

/** A 4xx from DynamoDB on `GET /events/{id}`. */
export const GET_EVENT_ERROR_TEMPLATE = readErrorTemplate('id is not a valid key (1 to 2048 bytes)');
/** A 4xx from DynamoDB on `GET /subjects/{subject}`. */
export const GET_SUBJECT_ERROR_TEMPLATE = readErrorTemplate('subject is not a valid key (1 to 2048 bytes)');
/** A 4xx from DynamoDB on `GET /subjects/{subject}/events`. */
export const LIST_SUBJECT_EVENTS_ERROR_TEMPLATE = readErrorTemplate(
  'after must be a number (a sequence, or the next cursor) and limit a whole number from 1 to 100',
);

/** API Gateway's own answers, as JSON: 400 for a body that fails the model carries API Gateway's validation message (it names a missing field; for a broken rule it states the rule, with no path). */
export const GATEWAY_RESPONSE_TEMPLATES = {
  badRequestBody: '{"error": "BadRequest", "message": "$context.error.validationErrorString"}',
  unsupportedMediaType:
    '{"error": "UnsupportedMediaType", "message": "send application/cloudevents+json or application/json (one event), or application/cloudevents-batch+json (1 to 10 events)"}',
  requestTooLarge: '{"error": "PayloadTooLarge", "message": $context.error.messageString}',
  throttled: '{"error": "Throttled", "message": $context.error.messageString, "retryAfterSeconds": 1}',
  default4xx: '{"error": "$context.error.responseType", "message": $context.error.messageString}',
  default5xx: '{"error": "InternalError", "message": $context.error.messageString, "requestId": "$context.requestId"}',
} as const;
