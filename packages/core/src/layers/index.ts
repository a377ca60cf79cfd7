export * from './performer/index.ts';
