-- posts.detected_lang: the language downradar's text understanding detected in the post
-- (services/nlp language-detect.ts; BCP 47 such as 'en', 'pt', 'hi-Latn'; 'und' when the text gives
-- no evidence), beside posts.lang, which is what the source declared. Written by the sink from the
-- message's detectedLang; '' for posts stored before this column existed or sent without it.
ALTER TABLE ${DB}.posts ADD COLUMN detected_lang String DEFAULT '' AFTER lang;
