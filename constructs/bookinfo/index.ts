export * from './bookinfo';
