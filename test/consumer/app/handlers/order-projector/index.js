// The consumer project's own state projector, shipped as plain JavaScript.
// It reports every record as processed; a real one would write TABLE_NAME.
exports.handler = async (event) => {
  console.log(JSON.stringify({ projection: process.env.PROJECTION, records: event.Records.length }));
  return { batchItemFailures: [] };
};
