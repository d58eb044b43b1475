import { readFile } from 'node:fs/promises';
import { loadTemplate } from './lib/templates';
export const handler = async (event: { pathParameters: { name: string } }) => {
  const body = await loadTemplate(event.pathParameters.name, readFile);
  return { statusCode: 200, body };
};
