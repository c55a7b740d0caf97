-- depends: 0001_schema
-- News service additions to news_sentiment (one row per security and source story).
--
-- event_id            the merged event the story belongs to: the same story from several sources
--                     shares one event_id (its sources, reliability and catalyst_strength columns
--                     then describe the event).
-- catalyst_score      the story's own pattern evidence (0..1) before source reliability, so an
--                     event's strength can be recomputed when another source joins it.
-- catalyst_published_at  when the event was announced on catalyst:news_catalyst (set once per
--                     event, on every row of it), so an event is published at most once.

ALTER TABLE news_sentiment
    ADD COLUMN event_id uuid,
    ADD COLUMN catalyst_score numeric(5, 4) CHECK (catalyst_score BETWEEN 0 AND 1),
    ADD COLUMN catalyst_published_at timestamptz;

UPDATE news_sentiment SET event_id = gen_random_uuid() WHERE event_id IS NULL;
ALTER TABLE news_sentiment ALTER COLUMN event_id SET NOT NULL;

CREATE INDEX news_sentiment_event_idx ON news_sentiment (event_id);

COMMENT ON COLUMN news_sentiment.event_id IS 'Merged event (same story across sources) this row belongs to';
COMMENT ON COLUMN news_sentiment.catalyst_score IS 'Pattern evidence of this story alone, before reliability';
COMMENT ON COLUMN news_sentiment.catalyst_published_at IS 'When the event went out on catalyst:news_catalyst';
