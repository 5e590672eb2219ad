import type { DataSourceFactory } from './types.js';

/** Service types this process can sync. Adding a source means adding it here. */
export class SourceRegistry {
  private readonly byType = new Map<string, DataSourceFactory>();

  constructor(factories: DataSourceFactory[]) {
    for (const f of factories) this.byType.set(f.serviceType, f);
  }

  get(serviceType: string | null | undefined): DataSourceFactory | undefined {
    return serviceType ? this.byType.get(serviceType) : undefined;
  }

  types(): string[] {
    return [...this.byType.keys()];
  }
}
