// Test-only entry (test.html): install the fake backend, then start the real app.
import { installMockBackend } from './mock-backend';

installMockBackend(window.__MOCK_CONFIG__ ?? {});
await import('../src/main');
