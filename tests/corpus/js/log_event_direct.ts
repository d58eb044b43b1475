export const handler = async (event: unknown) => {
  console.info(event); // expect: FG-CODE-004
  return { statusCode: 200 };
};
