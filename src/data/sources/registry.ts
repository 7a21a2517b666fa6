// Every `--data` kind in one table, one file each. A new kind: its file here and a line below.
import { CIFAR10, CIFAR100 } from './cifar';
import { FASHION_MNIST } from './fashion-mnist';
import { IMAGES } from './images';
import { MNIST } from './mnist';
import { MNIST_DIGITS } from './mnist-digits';
import { NPY } from './npy';
import { SYNTHETIC } from './synthetic';
import { CSV, TSV } from './table';
import type { DataSourceKind } from './types';

export const DATA_SOURCES: readonly DataSourceKind[] = [FASHION_MNIST, MNIST, MNIST_DIGITS, CIFAR10, CIFAR100, SYNTHETIC, IMAGES, CSV, TSV, NPY];

/** The kind named `name`, or undefined. */
export function dataSourceOf(name: string): DataSourceKind | undefined {
  return DATA_SOURCES.find((s) => s.name === name);
}
