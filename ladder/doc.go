// Package ladder draws ladder diagrams (sequence diagrams) of simulator
// traces: the two endpoints as vertical lifelines, side A on the left and
// side B on the right, every segment as an arrow between them, and beside
// each lifeline the side's connection state as it changes, its
// application's calls and their results, and the notices it was told.
//
// Two renderings share one layout:
//
//   - Text draws the ladder for a terminal: one row per event, virtual
//     timestamps in the left margin, arrows labelled with the segment's
//     flags, sequence and acknowledgment numbers, payload length, window and
//     options in packetdrill's notation. It fits a given width and adds
//     ANSI colour only when asked to.
//   - SVG draws the same ladder as a picture in which each arrow slopes
//     from its send to its arrival, so transit time, reordering and loss
//     can be seen.
//
// Sequence numbers are shown relative to each side's initial sequence
// number unless Options.Absolute is set, as tcpdump and Wireshark do.
// Segments the network lost end in a cross, duplicates made by the network
// are dashed, segments that arrive after later ones are marked reordered,
// and hazards the simulator saw (package sim) are shown where they
// happened.
//
// The trace can come from sim.Run or be assembled by other code (the
// command line draws scenario scripts played against the model this way):
// only the sim.Record fields documented for each record kind are read.
package ladder
