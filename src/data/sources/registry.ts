// Every `--data` kind in one table, one file each. A new kind: its file here and a line below.
import { CIFAR10, CIFAR100 } from './cifar';
import { FASHION_MNIST } from './fashion-mnist';
import { MNIST } from './mnist';
import { MNIST_DIGITS } from './mnist-digits';
import { SYNTHETIC } from './synthetic';
import type { DataSourceKind } from './types';

export const DATA_SOURCES: readonly DataSourceKind[] = [FASHION_MNIST, MNIST, MNIST_DIGITS, CIFAR10, CIFAR100, SYNTHETIC];

/** The kind named `name`, or undefined. */
export function dataSourceOf(name: string): DataSourceKind | undefined {
  return DATA_SOURCES.find((s) => s.name === name);
}
