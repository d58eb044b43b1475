const AWS = require('aws-sdk');
const s3 = new AWS.S3({
  accessKeyId: 'AKIAQ4NXRT7HZLMWPB2K', // expect: FG-SEC-005
  secretAccessKey: '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', // expect: FG-SEC-005
});
exports.handler = async () => s3.listBuckets().promise();
