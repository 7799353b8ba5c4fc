package console

import "net/http"

// exportRoutes registers the routes of this screen.
func (s *Server) exportRoutes(mux *http.ServeMux) {
	_ = mux
}
