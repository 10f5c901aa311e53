export * from './bookinfo';
export * from './versions';
