package workorder

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/millwright-cmms/millwright"
)

// Kinds of attachment.
const (
	PhotoAttachment = "photo"
	NoteAttachment  = "note"
)

// MaxPhotoBytes is the largest photo a work order keeps.
const MaxPhotoBytes = 5 << 20

// PhotoTypes are the content types a photo may have.
var PhotoTypes = []string{"image/jpeg", "image/png", "image/webp"}

// MaxNote is the longest note, in characters.
const MaxNote = 2000

// Attachment is a photo or a note added to a work order. Data is read
// only by AttachmentData; lists leave it out.
type Attachment struct {
	ID          string    `json:"id"`
	WorkOrderID string    `json:"work_order_id"`
	SiteID      string    `json:"site_id"`
	Kind        string    `json:"kind"`
	ContentType string    `json:"content_type,omitempty"`
	FileName    string    `json:"file_name,omitempty"`
	Size        int64     `json:"size,omitempty"`
	Data        []byte    `json:"-"`
	Note        string    `json:"note,omitempty"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// NewPhoto is a photo to add to a work order.
type NewPhoto struct {
	FileName string
	Data     []byte
}

// AddPhoto keeps a photo of the work: JPEG, PNG or WebP (told by its bytes,
// not by the name it was sent with), at most MaxPhotoBytes, on a work
// order that is not closed or cancelled.
func AddPhoto(ctx context.Context, tx Tx, id string, in NewPhoto) (*Attachment, error) {
	w, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := w.mustBeAttachable(); err != nil {
		return nil, err
	}
	switch {
	case len(in.Data) == 0:
		return nil, missing("photo", "choose a picture to add, or take one")
	case len(in.Data) > MaxPhotoBytes:
		return nil, millwright.Errorf(millwright.Invalid, "photo_too_large",
			"photo: the picture is %.1f MB; send one of at most %d MB (a phone's \"medium\" size)", float64(len(in.Data))/(1<<20), MaxPhotoBytes>>20)
	}
	ct := pictureType(in.Data)
	if !slices.Contains(PhotoTypes, ct) {
		return nil, millwright.Errorf(millwright.Invalid, "photo_type",
			"photo: the file is not a JPEG, PNG or WebP picture; send a photo in one of those formats")
	}
	name := strings.TrimSpace(in.FileName)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if utf8.RuneCountInString(name) > 200 || !utf8.ValidString(name) {
		name = "photo"
	}
	a := &Attachment{WorkOrderID: w.ID, SiteID: w.SiteID, Kind: PhotoAttachment, ContentType: ct, FileName: name,
		Size: int64(len(in.Data)), Data: in.Data}
	if err := tx.AddAttachment(ctx, a); err != nil {
		return nil, err
	}
	return a, tx.Audit(ctx, "work_order", w.ID, "add_photo", nil, a)
}

// AddNote adds a note to a work order that is not closed or cancelled.
func AddNote(ctx context.Context, tx Tx, id, note string) (*Attachment, error) {
	note = strings.TrimSpace(note)
	switch {
	case note == "":
		return nil, missing("note", "what you want to say about the work")
	case utf8.RuneCountInString(note) > MaxNote:
		return nil, millwright.Errorf(millwright.Invalid, "note_too_long", "note: keep it to %d characters; add a second note for the rest", MaxNote)
	}
	w, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := w.mustBeAttachable(); err != nil {
		return nil, err
	}
	a := &Attachment{WorkOrderID: w.ID, SiteID: w.SiteID, Kind: NoteAttachment, Note: note}
	if err := tx.AddAttachment(ctx, a); err != nil {
		return nil, err
	}
	return a, tx.Audit(ctx, "work_order", w.ID, "add_note", nil, a)
}

// Attachments lists the photos and notes of a work order, oldest first,
// without the photos' bytes.
func Attachments(ctx context.Context, tx Tx, id string) ([]Attachment, error) {
	w, err := Get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	return tx.Attachments(ctx, w.ID)
}

// AttachmentOf returns an attachment of a work order with its bytes,
// within the caller's site; NotFound when the work order has no such
// attachment.
func AttachmentOf(ctx context.Context, tx Tx, id, attachmentID string) (*Attachment, error) {
	w, err := Get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	a, err := tx.AttachmentData(ctx, attachmentID)
	if err != nil {
		return nil, err
	}
	if a.WorkOrderID != w.ID {
		return nil, millwright.Errorf(millwright.NotFound, "not_found", "work order %s has no attachment %s", w.Number, attachmentID)
	}
	return a, nil
}

func (w *WorkOrder) mustBeAttachable() error {
	if w.Status == Closed || w.Status == Cancelled {
		return millwright.Errorf(millwright.Conflict, "work_order_not_editable",
			"work order %s is %s; photos and notes are added before it is closed", w.Number, w.Status)
	}
	return nil
}

// pictureType tells a picture's content type by its first bytes, "" when
// it is none of PhotoTypes.
func pictureType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}
