// Scheduled nightly: e-mail yesterday's sales figures to the shop owners.
//
// VULNERABLE ON PURPOSE: logs the whole event and the full recipient list (D4).
"use strict";

const { execFile } = require("node:child_process");

exports.handler = async (event) => {
  console.log("nightly report", JSON.stringify(event));
  const recipients = (process.env.REPORT_RECIPIENTS || "owner@example.com").split(",");
  console.log("sending report to", recipients);
  await new Promise((resolve, reject) =>
    execFile("/opt/bin/sales-report", ["--yesterday"], (err) => (err ? reject(err) : resolve())),
  );
  return { sent: recipients.length };
};
