import type { Client } from '@elastic/elasticsearch';
import { newConnectorDoc } from './documents.js';
import { statusOf } from './index-store.js';
import { JOBS_ALIAS } from './indices.js';
import type { IndexProtocolStore } from './index-store.js';
import type { Configuration, ConnectorDoc, Features, Schedule } from './types.js';

/** A write the cluster refused, or one that would lose something: the message says which. */
export class ConnectorAdminError extends Error {
  override name = 'ConnectorAdminError';
}

/**
 * Writes an operator makes to a connector — create, configure, schedule,
 * delete — as the Connector API makes them, for either backend: through its
 * endpoints when the cluster has them, else on the connector index with the
 * same effect. `connectors setup` and the `connectors connector …` commands
 * both go through here.
 */
export class ConnectorAdmin {
  constructor(
    readonly client: Client,
    /** The API store extends the index one, so both backends fit here. */
    readonly store: IndexProtocolStore,
    /** The cluster has the Connector API. */
    readonly api: boolean,
  ) {}

  /** The live connector; a soft-deleted one counts as absent. */
  async find(id: string): Promise<ConnectorDoc | undefined> {
    if (!this.api) {
      const doc = (await this.store.getConnector(id))?.doc;
      return doc?.deleted ? undefined : doc;
    }
    try {
      const doc = (await this.client.connector.get({ connector_id: id, include_deleted: true } as never)) as unknown as ConnectorDoc;
      return doc.deleted ? undefined : doc;
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      return undefined;
    }
  }

  async create(id: string, fields: { name: string; index_name: string; service_type: string }): Promise<void> {
    if (this.api) {
      await this.client.connector.put({ connector_id: id, ...fields, is_native: false });
      return;
    }
    // A deleted connector's cursor names the replication slot the service is yet to drop: overwritten, it would be lost.
    const previous = (await this.store.getConnector(id))?.doc;
    if (previous?.deleted && previous.sync_cursor != null) throw new ConnectorAdminError(`connector "${id}" was deleted and the service has not yet dropped its change-capture slot; try again after its next cleanup pass`);
    await this.store.putConnector(id, newConnectorDoc(fields));
  }

  async setIndexName(id: string, index: string): Promise<void> {
    if (this.api) await this.client.connector.updateIndexName({ connector_id: id, index_name: index });
    else await this.store.updateConnector(id, { index_name: index });
  }

  /** The whole configuration (schema and values), as `_configuration` takes it; the connector becomes `configured`. */
  async setConfiguration(id: string, configuration: Configuration): Promise<void> {
    if (this.api) await this.client.connector.updateConfiguration({ connector_id: id, configuration: configuration as never });
    else await this.store.updateConnector(id, { configuration, status: 'configured' });
  }

  async setScheduling(id: string, current: ConnectorDoc['scheduling'], changes: { full?: Schedule; incremental?: Schedule }): Promise<void> {
    const scheduling = { ...current, ...changes };
    if (this.api) await this.client.connector.updateScheduling({ connector_id: id, scheduling: { full: scheduling.full, incremental: scheduling.incremental } });
    else await this.store.updateConnector(id, { scheduling });
  }

  async setFeatures(id: string, features: Features): Promise<void> {
    if (this.api) await this.client.connector.updateFeatures({ connector_id: id, features: features as never });
    else await this.store.updateConnector(id, { features });
  }

  /**
   * Deletes as Elasticsearch 9 does: the document stays, marked `deleted`, so
   * a running service still sees it go and drops what it kept for it (a
   * replication slot). Its jobs go too.
   */
  async delete(id: string): Promise<void> {
    if (this.api) await this.client.connector.delete({ connector_id: id, delete_sync_jobs: true });
    else {
      // Marked first, so no scheduler queues a job for it while its jobs go.
      await this.store.updateConnector(id, { deleted: true });
      await this.deleteJobs(id);
    }
  }

  /** By id, not _delete_by_query: that lives in a module a minimal Elasticsearch may lack. */
  private async deleteJobs(connectorId: string): Promise<void> {
    for (;;) {
      const res = await this.client.search({ index: JOBS_ALIAS, query: { term: { 'connector.id': connectorId } }, size: 1000, _source: false, ignore_unavailable: true });
      if (!res.hits.hits.length) return;
      // Each from the index it is in: an alias may span several.
      const bulk = await this.client.bulk({ refresh: true, operations: res.hits.hits.map((h) => ({ delete: { _index: h._index, _id: h._id! } })) });
      const deleted = bulk.items.filter((i) => i.delete?.result === 'deleted').length;
      if (bulk.errors || deleted === 0) {
        const error = bulk.items.find((i) => i.delete?.error)?.delete?.error;
        throw new ConnectorAdminError(`could not delete the jobs of connector ${connectorId}${error ? `: ${error.type}: ${error.reason ?? ''}` : ''}`);
      }
    }
  }
}
