const { SNSClient, PublishCommand } = require("@aws-sdk/client-sns");
const sns = new SNSClient({});
exports.handler = async (event) => {
  await sns.send(new PublishCommand({ TopicArn: process.env.TOPIC, Message: "done" }));
};
