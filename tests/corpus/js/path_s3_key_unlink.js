const fs = require('fs');
exports.handler = async (event) => {
  const key = decodeURIComponent(event.Records[0].s3.object.key);
  fs.unlinkSync(`/tmp/${key}`); // expect: FG-INJ-006
};
