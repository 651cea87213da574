import { jest } from '@jest/globals';

// Integration tests wait on a real control plane (CRDs establishing, kwok nodes turning Ready).
jest.setTimeout(180_000);
