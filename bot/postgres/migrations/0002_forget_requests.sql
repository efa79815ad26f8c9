-- Pending "forget me" requests, where every instance sees them: the
-- confirmation may reach another instance than the request. A request
-- lives ten minutes; older ones are dropped when the next is made.
CREATE TABLE forget_requests (
	conv_key text        PRIMARY KEY,
	asked_at timestamptz NOT NULL
);
